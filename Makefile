# Two commands for a newcomer: `make run` and `make test`. Only Python 3.11 is needed.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# `make run` is a local demo: debug on unless the caller says otherwise.
RUN_ENV := DEBUG=$${DEBUG:-1}

.PHONY: run test venv migrate demo freeze lint clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(RUN_ENV) $(BIN)/python manage.py load_demo

# Web server, Celery worker and beat together; Ctrl-C stops all of them.
run: demo
	@echo "打开 http://127.0.0.1:$(PORT)/  (Ctrl-C 退出)"
	$(RUN_ENV) $(BIN)/honcho -f Procfile.dev start -p $(PORT)

# The whole suite. PostgreSQL when DATABASE_URL is set, SQLite otherwise.
test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

freeze:
	$(BIN)/python -m pip freeze --exclude-editable

clean:
	rm -rf $(VENV) var/celery var/celerybeat-schedule* staticfiles .pytest_cache
