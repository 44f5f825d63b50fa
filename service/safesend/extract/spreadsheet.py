"""Workbooks: XLSX/XLSM, XLSB, XLS and ODS with python-calamine (Rust).

calamine read every workbook in the corpora that openpyxl read, plus strict
OOXML, XLSB, ODS and files with bad CRCs, about 20x faster (see
bench/bench_extract.py). It does not read bare Excel 2-5 (BIFF2-5) files,
so XLS falls back to xlrd, which also says when a workbook is encrypted.
calamine's XML reader (quick-xml) does not expand DTD entities.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterable, Iterator

from . import reasons
from .sink import Out, ScanStop


def cell_text(value: object) -> str:
    """A cell as the sender sees it: 6712345612.0 is "6712345612"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _row_texts(rows: Iterable[list]) -> Iterator[list[str]]:
    for row in rows:  # the common cases inline: this loop sees every cell
        yield [c if c.__class__ is str else
               str(int(c)) if c.__class__ is float and c.is_integer() and -1e16 < c < 1e16 else
               cell_text(c) for c in row]


def _is_fatal(exc: BaseException) -> bool:
    return isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError)


def read_workbook(data: bytes, out: Out) -> None:
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise ScanStop(reasons.PASSWORD) from None
    except BaseException as exc:  # calamine panics (PanicException) are BaseExceptions
        if _is_fatal(exc) or out.result.kind != "xls":
            raise
        read_old_xls(data, out)
        return
    with workbook:
        for meta in workbook.sheets_metadata:
            out.check_time()
            if meta.typ in (SheetTypeEnum.ChartSheet, SheetTypeEnum.Vba, SheetTypeEnum.DialogSheet):
                continue
            part = meta.name if meta.visible == SheetVisibleEnum.Visible else f"{meta.name} (hidden)"
            sheet = workbook.get_sheet_by_name(meta.name)
            out.table(part, _row_texts(sheet.iter_rows()))


def read_old_xls(data: bytes, out: Out) -> None:
    """Excel 97-2003 and older (BIFF2-8) with xlrd."""
    import xlrd

    try:
        with open(os.devnull, "w") as quiet:
            book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=quiet,
                                      verbosity=0)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise ScanStop(reasons.PASSWORD) from None
        raise
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        rows = ([_xlrd_cell(cell, book.datemode) for cell in sheet.row(r)] for r in range(sheet.nrows))
        out.table(sheet.name, rows)
        book.unload_sheet(index)


def _xlrd_cell(cell, datemode: int) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode).isoformat()
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return ""
    return cell_text(cell.value)
