"""Stored files that go with deleted rows: removed once the deletion commits, through the field API."""

from django.db import transaction


def files_delete_on_commit(field_files) -> int:
    """Delete these stored files (``FieldFile``s) after the current transaction commits; return how many.

    A rollback keeps them, with their rows. Deleting goes through each field's storage
    (``field_file.delete(save=False)``), so it works wherever the files are kept; a file already gone
    is no error.
    """
    files = [field_file for field_file in field_files if field_file]
    if files:
        transaction.on_commit(lambda: [field_file.delete(save=False) for field_file in files])
    return len(files)
