"""The SOP's incident record, completed by the agent: opened only from the overlay's
"Complete incident record" button, never on its own, so it never takes focus mid-call.

What the session pre-filled (when, why, what was observed and done) is shown read-only;
the agent adds the customer reference, the outcome and notes. Not modal: the overlay goes
on updating while the form is open.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from deescalate.records.store import OUTCOMES
from deescalate.ui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
)

Save = Callable[[str, str, str], None]
"""`save(customer_ref, outcome, notes)`."""


class IncidentForm(QDialog):
    def __init__(self, incident: dict, on_save: Save) -> None:
        super().__init__()
        self.setWindowTitle(f"Incident record {incident['id']}")
        self.incident_id = incident["id"]
        self._on_save = on_save
        layout = QVBoxLayout(self)
        title = QLabel(f"Incident record {incident['id']}")
        title.setStyleSheet("font-weight: bold; font-size: 14px;")
        layout.addWidget(title)
        layout.addWidget(QLabel(prefilled_text(incident), wordWrap=True, objectName="prefilled"))
        form = QFormLayout()
        self.customer_ref = QLineEdit(incident.get("customer_ref", ""))
        self.customer_ref.setPlaceholderText("account or ticket number")
        self.outcome = QComboBox()
        self.outcome.addItems(OUTCOMES)
        self.outcome_detail = QLineEdit()
        self.outcome_detail.setPlaceholderText("details (optional)")
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("anything the supervisor should know")
        self.notes.setFixedHeight(80)
        self._restore(incident)
        form.addRow("Customer reference", self.customer_ref)
        form.addRow("Outcome", self.outcome)
        form.addRow("", self.outcome_detail)
        form.addRow("Notes", self.notes)
        hint = QLabel(
            "Phone and card numbers and e-mail addresses in the outcome and notes are "
            "removed when saved.",
            wordWrap=True,
        )
        hint.setStyleSheet("color: #555; font-size: 11px;")
        form.addRow("", hint)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText("Later")
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    def _restore(self, incident: dict) -> None:
        outcome = incident.get("outcome", "")
        choice, _, detail = outcome.partition(": ")
        if choice in OUTCOMES:
            self.outcome.setCurrentText(choice)
            self.outcome_detail.setText(detail)
        self.notes.setPlainText(incident.get("notes", ""))

    @property
    def outcome_text(self) -> str:
        detail = self.outcome_detail.text().strip()
        return self.outcome.currentText() + (f": {detail}" if detail else "")

    def _save(self) -> None:
        self._on_save(self.customer_ref.text(), self.outcome_text, self.notes.toPlainText())
        self.accept()


def prefilled_text(incident: dict) -> str:
    when = datetime.fromtimestamp(incident["at"]).strftime("%Y-%m-%d %H:%M")
    behaviours = "; ".join(incident["behaviours"]) or "none detected"
    actions = "; ".join(incident["actions"]) or "none marked used"
    call = f"call {incident['call_id']}" if incident.get("call_id") else "no call record"
    return (
        f"{when} · {call}\nReason: {incident['reason']}\n"
        f"Observed: {behaviours}\nActions taken: {actions}"
    )
