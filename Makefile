# awsmfa: `make install` builds the release binaries and installs them; `make test` runs every test.
PREFIX ?= /usr/local
SWIFT ?= swift
RELEASE_FLAGS = -c release --static-swift-stdlib

.PHONY: all build install test unit integration deps test-deps bench lint clean generate

all: build

deps:
	scripts/deps.sh build

test-deps:
	scripts/deps.sh test

build: deps
	$(SWIFT) build $(RELEASE_FLAGS)

install: build
	install -D -m 0755 .build/release/awsmfa $(DESTDIR)$(PREFIX)/bin/awsmfa
	install -D -m 0755 .build/release/awsmfa-cli $(DESTDIR)$(PREFIX)/libexec/awsmfa/awsmfa-cli
	@for f in shell/*; do [ -f "$$f" ] && install -D -m 0644 "$$f" $(DESTDIR)$(PREFIX)/share/awsmfa/$$f; done; true
	@[ -f completions/awsmfa.bash ] && install -D -m 0644 completions/awsmfa.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/awsmfa || true
	@[ -f completions/_awsmfa ] && install -D -m 0644 completions/_awsmfa $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_awsmfa || true
	@[ -f completions/awsmfa.fish ] && install -D -m 0644 completions/awsmfa.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/awsmfa.fish || true

# Debug builds for tests (a release build takes 10+ minutes on two cores).
test: test-deps lint
	$(SWIFT) build
	$(SWIFT) test
	python3 -m pytest tests/integration -q -p no:cacheprovider

unit:
	$(SWIFT) test

integration:
	$(SWIFT) build
	python3 -m pytest tests/integration -q -p no:cacheprovider

bench: test-deps build
	bench/run

lint:
	$(SWIFT) format lint --strict -r Sources Tests

# shell/ and completions/ are generated from the Swift sources; tests check they are current.
generate:
	$(SWIFT) build --product awsmfa-cli
	$(SWIFT) build --product awsmfa
	for s in bash zsh fish; do .build/debug/awsmfa hook $$s > shell/awsmfa.$$s; done
	.build/debug/awsmfa completion bash > completions/awsmfa.bash
	.build/debug/awsmfa completion zsh > completions/_awsmfa
	.build/debug/awsmfa completion fish > completions/awsmfa.fish

clean:
	rm -rf .build
