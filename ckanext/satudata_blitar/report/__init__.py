"""The annual report engine: ``compute`` builds the JSON document from the records, ``render``
turns it into HTML, PDF, XLSX and CSV, ``files`` keeps generated files (background job)."""
