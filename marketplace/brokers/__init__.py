"""技术经纪人: broker profiles, their verification, engagements, ratings and track record."""
