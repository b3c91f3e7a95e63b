"""Customer sheets in and out: one Excel or CSV sheet, one customer per row (``Customer Sheet Import``)."""
