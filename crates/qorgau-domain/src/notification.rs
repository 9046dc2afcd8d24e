//! Notifications: which events tell whom, and how each is mailed (issue 19,
//! docs/notifications.md). Who receives an event is resolved by role and scope when it happens
//! (the application layer's `inbox`); what a notification may say is fixed here: its kind and
//! the case's number (or the signal's id), never a concern, a description or a name — so that no
//! recipient, inbox or mailbox learns more than the record's own need-to-know rules allow.

crate::code_enum! {
    /// The event a notification reports.
    pub enum NotificationKind {
        /// A referral (or the protocol's mandatory referral) reached the recipient's organisation.
        ReferralReceived = "referral_received",
        ReferralAccepted = "referral_accepted",
        ReferralDeclined = "referral_declined",
        ReferralCompleted = "referral_completed",
        /// The referring case manager withdrew a referral to the recipient's organisation.
        ReferralWithdrawn = "referral_withdrawn",
        /// A case is being transferred to the recipient's region.
        TransferRequested = "transfer_requested",
        TransferAccepted = "transfer_accepted",
        TransferDeclined = "transfer_declined",
        /// A plan version awaits the supervisor's decision.
        PlanSubmitted = "plan_submitted",
        PlanApproved = "plan_approved",
        /// The supervisor rejected the plan version: it comes back to the case manager.
        PlanReturned = "plan_returned",
        ClosureRequested = "closure_requested",
        ClosureApproved = "closure_approved",
        ClosureReturned = "closure_returned",
        /// The case was assigned (or reassigned) to the recipient.
        CaseAssigned = "case_assigned",
        /// A deadline of the recipient's case is about to lapse.
        DeadlineReminder = "deadline_reminder",
        /// A deadline lapsed: to the region's supervisors.
        DeadlineEscalation = "deadline_escalation",
        /// A signal awaits triage and its clock is about to run out: to the district's
        /// intake coordinators.
        TriageReminder = "triage_reminder",
        /// A signal's triage clock ran out: to the region's supervisors.
        TriageEscalation = "triage_escalation",
        /// The protocol makes informing the recipient's organisation mandatory (a `notify` route).
        ProtocolNotification = "protocol_notification",
        /// A supervisor opened a record of the recipient's region by break-glass.
        BreakGlass = "break_glass",
        /// No organisation of a kind the protocol requires exists near the child.
        RoutingGap = "routing_gap",
        /// A follow-up contact after closure found concerns: decide whether to reopen.
        FollowUpConcerns = "follow_up_concerns",
    }
}

crate::code_enum! {
    /// A user's choice of email for their notifications (`PUT /api/v1/me/preferences`).
    pub enum EmailPreference {
        /// Each notification mailed as it happens.
        Immediate = "immediate",
        /// One mail per working day listing the day's notifications.
        DailyDigest = "daily_digest",
        /// No mail; the inbox only.
        Off = "off",
    }
}

crate::code_enum! {
    /// How one notification is mailed, decided when it is written.
    pub enum Mail {
        /// Queued in the outbox in the event's transaction.
        Immediate = "immediate",
        /// Waits for the recipient's next daily digest.
        Digest = "digest",
        Off = "off",
    }
}

impl NotificationKind {
    /// Whether the event cannot wait for a digest by default: the deadline and triage clocks
    /// (the brief's reminders and escalations by email, § 4) and the protocol's mandatory
    /// notifications (`suicide_risk` at `critical`: "immediate notification of the supervisor").
    pub fn urgent(self) -> bool {
        matches!(
            self,
            Self::DeadlineReminder
                | Self::DeadlineEscalation
                | Self::TriageReminder
                | Self::TriageEscalation
                | Self::ProtocolNotification
        )
    }

    /// How a notification of this kind is mailed to a user who chose `preference` (`None`: no
    /// choice made — immediate when urgent, else the daily digest).
    pub fn mail(self, preference: Option<EmailPreference>) -> Mail {
        match preference {
            Some(EmailPreference::Immediate) => Mail::Immediate,
            Some(EmailPreference::DailyDigest) => Mail::Digest,
            Some(EmailPreference::Off) => Mail::Off,
            None if self.urgent() => Mail::Immediate,
            None => Mail::Digest,
        }
    }

    /// The notification's words in Kazakh, Russian and English: what happened, never to whom.
    pub fn words(self) -> (&'static str, &'static str, &'static str) {
        use NotificationKind::*;
        match self {
            ReferralReceived => ("Жаңа жолдама", "Новое направление", "Referral received"),
            ReferralAccepted => (
                "Жолдама қабылданды",
                "Направление принято",
                "Referral accepted",
            ),
            ReferralDeclined => (
                "Жолдамадан бас тартылды",
                "В направлении отказано",
                "Referral declined",
            ),
            ReferralCompleted => (
                "Жолдама орындалды",
                "Направление выполнено",
                "Referral completed",
            ),
            ReferralWithdrawn => (
                "Жолдама кері қайтарылды",
                "Направление отозвано",
                "Referral withdrawn",
            ),
            TransferRequested => (
                "Істі беру сұралды",
                "Запрошена передача дела",
                "Case transfer requested",
            ),
            TransferAccepted => (
                "Істі беру қабылданды",
                "Передача дела принята",
                "Case transfer accepted",
            ),
            TransferDeclined => (
                "Істі беруден бас тартылды",
                "В передаче дела отказано",
                "Case transfer declined",
            ),
            PlanSubmitted => (
                "Жоспар бекітуді күтуде",
                "План ожидает утверждения",
                "Plan awaits approval",
            ),
            PlanApproved => ("Жоспар бекітілді", "План утверждён", "Plan approved"),
            PlanReturned => ("Жоспар қайтарылды", "План возвращён", "Plan returned"),
            ClosureRequested => (
                "Істі жабу сұралды",
                "Запрошено закрытие дела",
                "Closure requested",
            ),
            ClosureApproved => ("Іс жабылды", "Закрытие дела утверждено", "Closure approved"),
            ClosureReturned => (
                "Істі жабу қайтарылды",
                "Закрытие дела возвращено",
                "Closure returned",
            ),
            CaseAssigned => (
                "Іс сізге тағайындалды",
                "Дело назначено вам",
                "Case assigned to you",
            ),
            DeadlineReminder => (
                "Мерзім жақындап қалды",
                "Срок истекает",
                "Deadline due soon",
            ),
            DeadlineEscalation => ("Мерзім өтіп кетті", "Срок просрочен", "Deadline missed"),
            TriageReminder => (
                "Сигнал сұрыптауды күтуде",
                "Сигнал ожидает сортировки",
                "Signal awaits triage",
            ),
            TriageEscalation => (
                "Сигнал уақытында сұрыпталмады",
                "Сигнал не рассмотрен в срок",
                "Signal not triaged in time",
            ),
            ProtocolNotification => (
                "Міндетті хабарлама",
                "Обязательное уведомление",
                "Mandatory notification",
            ),
            BreakGlass => (
                "Шұғыл қолжетімділік пайдаланылды",
                "Использован экстренный доступ",
                "Break-glass access used",
            ),
            RoutingGap => (
                "Қажетті ұйым жоқ",
                "Нет нужной организации",
                "No organisation for a mandatory step",
            ),
            FollowUpConcerns => (
                "Бақылау кезінде алаңдаушылық анықталды",
                "При контроле выявлены опасения",
                "Follow-up found concerns",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgent_events_are_mailed_at_once_unless_the_user_chose_otherwise() {
        assert_eq!(
            NotificationKind::DeadlineEscalation.mail(None),
            Mail::Immediate
        );
        assert_eq!(NotificationKind::ReferralAccepted.mail(None), Mail::Digest);
        assert_eq!(
            NotificationKind::DeadlineEscalation.mail(Some(EmailPreference::Off)),
            Mail::Off
        );
        assert_eq!(
            NotificationKind::PlanSubmitted.mail(Some(EmailPreference::Immediate)),
            Mail::Immediate
        );
    }

    #[test]
    fn every_kind_has_words_in_three_languages() {
        for kind in NotificationKind::ALL {
            let (kk, ru, en) = kind.words();
            assert!(!kk.is_empty() && !ru.is_empty() && !en.is_empty(), "{kind}");
        }
    }
}
