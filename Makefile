# Shortcuts; the commands in README.md (python3 tasks.py ...) need only Python.
.PHONY: run test lint
run:
	python3 tasks.py run
test:
	python3 tasks.py test
lint:
	.venv/bin/ruff check . && .venv/bin/mypy portal
