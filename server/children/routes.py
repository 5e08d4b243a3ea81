"""HTTP routes of the children package."""

from fastapi import APIRouter

router = APIRouter()
