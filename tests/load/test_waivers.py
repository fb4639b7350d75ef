"""The comment scanner below lint: which `policycheck:ignore` texts are comments, and where."""

from __future__ import annotations

from policycheck.load.waivers import CommentWaiver, hcl_waivers


def test_hcl_strings_escapes_and_heredocs_are_not_comments():
    text = (
        'a = "say \\" # policycheck:ignore X no"\n'
        "b = <<-EOT\n  # policycheck:ignore X no\n  EOT\n"
        "  /* policycheck:ignore SCHEMA block comment */\n"
        "c = 1 // policycheck:ignore REDUNDANT\n"
        "# policycheck:ignore because it is fine\n"
    )
    assert hcl_waivers(text, "m.tf") == (
        CommentWaiver("m.tf", 5, 3, "SCHEMA", "block comment", True),
        CommentWaiver("m.tf", 6, 7, "REDUNDANT", "", False),
        CommentWaiver("m.tf", 7, 1, "", "because it is fine", True),
    )


def test_an_unterminated_heredoc_or_comment_ends_the_scan():
    assert hcl_waivers("x = <<EOT\n# policycheck:ignore SCHEMA r\n", "m.tf") == ()
    assert hcl_waivers("/* policycheck:ignore SCHEMA r", "m.tf")[0].reason == "r"
