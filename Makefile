# Postern developer entry points.
#
#   make deps            install system packages and moto_server (scripts/install-deps)
#   make services        start local PostgreSQL (and a second for the shared audit store), Redis and moto (scripts/services start)
#   make test            deps + services, then swift build --build-tests and swift test
#   make demo            deps + services, sample data and a demo config (demo/setup), then the console
#   make stop-services   stop the local services (state kept for a fast restart)
#   make clean-services  stop them and delete their state dir
#
# Services listen on 127.0.0.1 only; ports and the state dir are documented at the
# top of scripts/services (POSTERN_PG_PORT, POSTERN_SERVICES_DIR, ...).

SHELL := /bin/bash
SWIFT ?= swift

.PHONY: deps services stop-services status-services test demo clean-services

deps:
	scripts/install-deps

services: deps
	scripts/services start

stop-services:
	scripts/services stop

status-services:
	scripts/services status

test: services
	$(SWIFT) build --build-tests
	$(SWIFT) test

# The console on the demo: services with sample data and a config for the invoking login, written
# by demo/setup to .demo/. Postern refuses group-writable role files, which a clone made with a
# permissive umask would have, hence the chmod.
demo: services
	chmod -R go-w demo
	$(SWIFT) build --product postern
	"$$($(SWIFT) build --show-bin-path)/postern" --config "$$(demo/setup)"

clean-services:
	scripts/services clean
