"""telaah's headless core: models, database, repository functions and formats."""
