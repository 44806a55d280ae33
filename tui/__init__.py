"""telaah's Textual app and command line; it reaches the database only through `store`."""
