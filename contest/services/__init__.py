"""Services move data between the database and the engines; they flush, never commit."""
