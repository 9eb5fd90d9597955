"""挂牌交易: listings of registered achievements, intents, bidding and deals (SPEC.md §2)."""
