"""Stage 1, use-case scoping: is this an AI problem worth solving, and what is it worth?"""
