"""Rules of the SOP records: the yearly Daftar Data, the OPDs' availability statements, the
Kepala OPD's validation letters and their signed PDFs. Actions in ``logic/action/records.py``
check auth and input, then call these functions."""
