"""HTTP routes of the sync package."""

from fastapi import APIRouter

router = APIRouter()
