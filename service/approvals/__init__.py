"""Approval controls (issue #16): four-eyes rules as versioned data and the approval that follows them.

- ``rules``: pure: which triggers make an approval need a second, different person;
- ``rule_versions``: the stored versions and the rules in force (global; per-organisation seam);
- ``four_eyes``: a person's approval (single, first or second step), audited with the rule version.
"""
