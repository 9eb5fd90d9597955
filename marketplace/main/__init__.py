"""The home page and the pages that explain the market."""
