"""HTTP routes of the auth package."""

from fastapi import APIRouter

router = APIRouter()
