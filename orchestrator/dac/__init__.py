"""Validium mode's data-availability committee (docs/validium.md): the member daemon and the clients."""
