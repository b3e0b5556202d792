"""The "My statistics" page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from lightsb_site.auth import AuthenticatedHttpRequest
from stats.selectors import usage_summary


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "stats/mine.html", {"summary": usage_summary(user=request.user)})
