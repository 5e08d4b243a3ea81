"""HTTP routes of the audit package."""

from fastapi import APIRouter

router = APIRouter()
