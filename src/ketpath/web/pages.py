"""The person's pages: dashboard, logging, history, questionnaires, plan, learn, help, export."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
