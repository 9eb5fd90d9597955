"""The science bureau's officer pages (/bureau/...)."""
