"""tlsnet: TLS and proxy test peers (a test PKI, TLS fronts that relay to the STS gate, squid).

See README.md beside this file."""
