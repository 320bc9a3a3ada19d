"""Risk screening of text a person enters (DESIGN.md safety rules: crisis first).

The public surface is the :class:`Screener` protocol and its result; issue 4's trained
classifier plugs in behind it. :class:`RuleScreener` is the interim stop-gap.
"""

from mindway.safety.screening import RiskLevel, RuleScreener, Screener, Screening, screen

__all__ = ["RiskLevel", "RuleScreener", "Screener", "Screening", "screen"]
