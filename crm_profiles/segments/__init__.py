"""Customer segments: rules over profiles and behaviour, stored membership with joins and leaves."""
