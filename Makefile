# awsmfa: `make install` builds the release binaries and installs them; `make test` runs every test.
PREFIX ?= /usr/local
SWIFT ?= swift
# No $ORIGIN run path: the binaries load only system libraries, and a run path sends the loader
# through a dozen missing directories on every start (0.2-0.4 ms of a 3 ms cached env).
RELEASE_FLAGS = -c release --static-swift-stdlib --disable-local-rpath

BIN = .build/release

.PHONY: all build install test unit integration deps test-deps bench lint clean generate man deb link-order

all: build

deps:
	scripts/deps.sh build

test-deps:
	scripts/deps.sh test

build: deps
	$(SWIFT) build $(RELEASE_FLAGS)

# Stripped binaries, the shell hooks, completions where bash-completion, zsh and fish look, and
# the man page.
install: build
	install -D -m 0755 -s $(BIN)/awsmfa $(DESTDIR)$(PREFIX)/bin/awsmfa
	install -D -m 0755 -s $(BIN)/awsmfa-cli $(DESTDIR)$(PREFIX)/libexec/awsmfa/awsmfa-cli
	for f in shell/awsmfa.bash shell/awsmfa.zsh shell/awsmfa.fish; do install -D -m 0644 "$$f" $(DESTDIR)$(PREFIX)/share/awsmfa/$$f; done
	install -D -m 0644 completions/awsmfa.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/awsmfa
	install -D -m 0644 completions/_awsmfa $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_awsmfa
	install -D -m 0644 completions/awsmfa.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/awsmfa.fish
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	$(BIN)/awsmfa-cli __manual README.md > $(DESTDIR)$(PREFIX)/share/man/man1/awsmfa.1

# awsmfa(1), from the command tree and the README.
man: build
	$(BIN)/awsmfa-cli __manual README.md > awsmfa.1

# dist/awsmfa_VERSION_ARCH.deb from the release build (see scripts/build-deb.sh).
deb: build
	scripts/build-deb.sh $(BIN)

# packaging/awsmfa-cli.order: the cold `env` path's functions, laid out first by the linker
# (needs valgrind; regenerate after changes to that path, then rebuild).
link-order: test-deps build
	python3 scripts/link-order.py $(BIN)/awsmfa-cli

# Debug builds for tests (a release build takes 10+ minutes on two cores).
test: test-deps lint
	$(SWIFT) build
	$(SWIFT) test
	python3 -m pytest e2e/integration -q -p no:cacheprovider

unit:
	$(SWIFT) test

integration:
	$(SWIFT) build
	python3 -m pytest e2e/integration -q -p no:cacheprovider

bench: test-deps build
	bench/run

lint:
	$(SWIFT) format lint --strict -r Sources Tests
	shellcheck --severity=warning shell/awsmfa.bash completions/awsmfa.bash scripts/*.sh bench/run bench/*.sh

# shell/ and completions/ are generated from the Swift sources; tests check they are current.
generate:
	$(SWIFT) build --product awsmfa-cli
	$(SWIFT) build --product awsmfa
	for s in bash zsh fish; do .build/debug/awsmfa hook $$s > shell/awsmfa.$$s; done
	.build/debug/awsmfa completion bash > completions/awsmfa.bash
	.build/debug/awsmfa completion zsh > completions/_awsmfa
	.build/debug/awsmfa completion fish > completions/awsmfa.fish

clean:
	rm -rf .build dist awsmfa.1
