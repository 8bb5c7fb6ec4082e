"""The relayer daemon: carries messages between the chains' messengers with the validators' attestations."""
