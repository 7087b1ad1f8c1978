"""Contest pages: one blueprint, "contests", whose routes each audience's module registers.

- `public`: the contest list and page, registration and entry, a round's page, rankings
  (ranked lazily on the first view after the close);
- `entrant`: starting a round, the prediction asked before submitting, submitting;
- `officers`: entrants to confirm, confirming them, unit awards (officers and admins);
- `organisers`: contests and rounds, prize lists, suspicious attempts (admins).

Who may open each page is declared by its gate from learning/auth/scope.py; `common` loads a
contest or a round only for those scope lets see it. The attempt pages themselves are the
quiz engine's (learning/quizzes/views.py): a contest attempt's summary and result lead back
here."""

from learning.contests.views import entrant, officers, organisers, public
from learning.contests.views.common import bp

__all__ = ["bp", "entrant", "officers", "organisers", "public"]
