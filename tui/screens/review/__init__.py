"""The review screen: one article's mentions and facts, decided from the keyboard."""

from tui.screens.review.screen import ArticleScreen, ReviewQueue, article_meta

__all__ = ["ArticleScreen", "ReviewQueue", "article_meta"]
