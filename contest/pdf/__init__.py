"""PDF documents built without Flask or the database: typed text in, bytes out."""
