"""Peer judge scripts; each runs inside its own virtualenv under bench/.venvs/."""
