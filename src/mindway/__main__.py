from mindway.cli.main import app

app()
