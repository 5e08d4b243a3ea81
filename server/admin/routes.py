"""HTTP routes of the admin package."""

from fastapi import APIRouter

router = APIRouter()
