"""Workbook builders: pure (rows in, bytes out), no Flask, no database.

A thin view wraps the bytes in a download; the service layer supplies the rows.
See docs/excel.md.
"""
from contest.excel.season import SeasonExport, build_season_workbook
from contest.excel.sheet import Column, ExportError, Formula, SheetInfo, write_sheet

__all__ = ["Column", "ExportError", "Formula", "SeasonExport", "SheetInfo",
           "build_season_workbook", "write_sheet"]
