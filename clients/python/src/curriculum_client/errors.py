"""Errors with a code from the project's catalogue (schemas/errors.ts): a failing command is
published as service.error with this code and message."""


class CurriculumError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
