# Postern developer entry points.
#
#   make deps            install system packages and moto_server (scripts/install-deps)
#   make services        start local PostgreSQL, Redis and moto (scripts/services start)
#   make test            deps + services, then swift build --build-tests and swift test
#   make demo            deps, then `postern db ls` on demo/postern.yaml (as demo user alice)
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

# The demo config is the invoker's own file, so `--as` may pick a demo user; a clone made with a
# permissive umask would be group-writable, which Postern refuses, hence the chmod.
demo: deps
	chmod -R go-w demo
	$(SWIFT) build --product postern
	$(SWIFT) run postern db ls --config demo/postern.yaml --as alice -v

clean-services:
	scripts/services clean
