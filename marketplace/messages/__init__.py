"""Messages between the parties of a listing, need or deal and their brokers."""
