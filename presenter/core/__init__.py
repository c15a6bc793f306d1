"""The pure core: values in, values out, no network, no event loop.

Nothing under ``presenter.core`` imports Tornado or asyncio.
"""
