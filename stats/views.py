"""The "My statistics" page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from stats.selectors import usage_summary


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "stats/mine.html", {"summary": usage_summary(user=request.user)})
