"""The Falcon ASGI API: quiz, score, leaderboard and user services plus the live channel."""
