-- Code columns accept only their codes (issue 18, part 2): statuses, risk levels, roles,
-- sources, concerns, kinds and reasons, as the domain defines them (`Concern::ALL`,
-- `TimelineKind::ALL`…; the statuses as the code writes them where no enum lists them). The
-- code checks what it reads and writes; these constraints also refuse what a script, a
-- restore or a bug writes around it. tests/api/schema.rs compares the sets with the domain's.
--
-- One ALTER TABLE per table: its constraints are validated in one scan of the table. A row
-- holding another value fails the migration, naming the constraint: fix the row, migrate again.
-- The SQLite override (up.sqlite.sql) enforces the same sets with triggers.

ALTER TABLE organisations
    ADD CONSTRAINT organisations_kind_code CHECK (kind IN ('child_rights_department', 'family_support_centre', 'mobile_group', 'psychological_support_centre', 'school', 'health', 'mental_health_centre', 'youth_health_centre', 'crisis_centre', 'assistance_room', 'police', 'commission', 'guardianship_authority', 'education_department', 'contact_centre', 'ngo', 'other'));
ALTER TABLE users
    ADD CONSTRAINT users_role_code CHECK (role IN ('admin', 'mobile_group_member', 'intake_coordinator', 'case_manager', 'specialist', 'supervisor', 'analyst', 'integration'));
ALTER TABLE children
    ADD CONSTRAINT children_sex_code CHECK (sex IN ('male', 'female'));
ALTER TABLE cases
    ADD CONSTRAINT cases_status_code CHECK (status IN ('intake', 'assessment', 'planning', 'in_progress', 'monitoring', 'closure_requested', 'closed')),
    ADD CONSTRAINT cases_risk_level_code CHECK (risk_level IN ('critical', 'high', 'medium', 'low')),
    ADD CONSTRAINT cases_closure_reason_code CHECK (closure_reason IN ('goals_achieved', 'risk_eliminated', 'transferred', 'turned_18', 'moved_abroad', 'child_died', 'family_declined_no_grounds', 'duplicate', 'other'));
ALTER TABLE case_concerns
    ADD CONSTRAINT case_concerns_concern_code CHECK (concern IN ('violence_physical', 'violence_sexual', 'violence_psychological', 'neglect', 'bullying', 'cyberbullying', 'suicide_risk', 'trafficking', 'child_labour', 'vagrancy_begging', 'addiction', 'out_of_school', 'early_pregnancy', 'offending', 'family_crisis', 'without_parental_care', 'unaccompanied_migrant', 'disability_support', 'care_leaver', 'other'));
ALTER TABLE signals
    ADD CONSTRAINT signals_source_code CHECK (source IN ('mobile_group', 'contact_centre_111', 'qr_111', 'school', 'health', 'police', 'school_diagnostics', 'cctv_ai', 'commission', 'self_referral', 'other')),
    ADD CONSTRAINT signals_urgency_code CHECK (urgency IN ('critical', 'high', 'medium', 'low')),
    ADD CONSTRAINT signals_status_code CHECK (status IN ('received', 'case_opened', 'linked', 'screened_out')),
    ADD CONSTRAINT signals_risk_level_code CHECK (risk_level IN ('critical', 'high', 'medium', 'low'));
ALTER TABLE signal_concerns
    ADD CONSTRAINT signal_concerns_concern_code CHECK (concern IN ('violence_physical', 'violence_sexual', 'violence_psychological', 'neglect', 'bullying', 'cyberbullying', 'suicide_risk', 'trafficking', 'child_labour', 'vagrancy_begging', 'addiction', 'out_of_school', 'early_pregnancy', 'offending', 'family_crisis', 'without_parental_care', 'unaccompanied_migrant', 'disability_support', 'care_leaver', 'other'));
ALTER TABLE timeline_events
    ADD CONSTRAINT timeline_events_kind_code CHECK (kind IN ('signal', 'signal_updated', 'signal_report', 'triage', 'case_opened', 'merge', 'unmerge', 'assigned', 'risk_revised', 'concerns_changed', 'status_changed', 'closure_requested', 'closure_returned', 'closed', 'reopened', 'assessment', 'plan_version', 'plan_approved', 'plan_rejected', 'measure_done', 'intervention', 'referral', 'referral_accepted', 'referral_declined', 'referral_completed', 'referral_withdrawn', 'transfer_requested', 'transfer_accepted', 'transfer_declined', 'relation', 'consent', 'consent_withdrawn', 'commission_referral', 'commission_decision', 'commission_measure_done', 'placement', 'placement_ended', 'interview', 'deadline_met', 'deadline_reminder', 'escalation', 'routing_gap'));
ALTER TABLE signal_reports
    ADD CONSTRAINT signal_reports_urgency_code CHECK (urgency IN ('critical', 'high', 'medium', 'low'));
ALTER TABLE assessments
    ADD CONSTRAINT assessments_kind_code CHECK (kind IN ('initial', 'comprehensive')),
    ADD CONSTRAINT assessments_risk_level_code CHECK (risk_level IN ('critical', 'high', 'medium', 'low'));
ALTER TABLE plans
    ADD CONSTRAINT plans_status_code CHECK (status IN ('draft', 'approved', 'rejected', 'superseded'));
ALTER TABLE plan_measures
    ADD CONSTRAINT plan_measures_kind_code CHECK (kind IN ('medical', 'psychological', 'pedagogical', 'social', 'legal'));
ALTER TABLE interventions
    ADD CONSTRAINT interventions_kind_code CHECK (kind IN ('home_visit', 'consultation', 'psychological_session', 'medical_care', 'pedagogical_support', 'social_support', 'legal_aid', 'benefit_application', 'placement', 'mediation', 'other')),
    ADD CONSTRAINT interventions_assistance_type_code CHECK (assistance_type IN ('medical', 'psychological', 'pedagogical', 'social', 'legal'));
ALTER TABLE referrals
    ADD CONSTRAINT referrals_status_code CHECK (status IN ('pending', 'accepted', 'declined', 'completed', 'withdrawn')),
    ADD CONSTRAINT referrals_urgency_code CHECK (urgency IN ('critical', 'high', 'medium', 'low')),
    ADD CONSTRAINT referrals_override_basis_code CHECK (override_basis IN ('threat_to_life_or_health', 'court_order', 'legal_duty')),
    ADD CONSTRAINT referrals_kind_code CHECK (kind IN ('referral', 'notification'));
ALTER TABLE transfers
    ADD CONSTRAINT transfers_status_code CHECK (status IN ('pending', 'accepted', 'declined'));
ALTER TABLE placements
    ADD CONSTRAINT placements_kind_code CHECK (kind IN ('temporary_shelter', 'child_support_centre', 'juvenile_adaptation_centre', 'guardianship', 'patronat_family', 'receiving_family', 'professional_receiving_family', 'adoption', 'return_to_family')),
    ADD CONSTRAINT placements_end_reason_code CHECK (end_reason IN ('planned_end', 'return_to_family', 'adoption', 'breakdown', 'turned_18', 'transferred', 'other'));
ALTER TABLE deadlines
    ADD CONSTRAINT deadlines_kind_code CHECK (kind IN ('triage', 'assignment', 'first_contact', 'initial_assessment', 'comprehensive_assessment', 'plan_approval', 'plan_review', 'referral_response', 'follow_up')),
    ADD CONSTRAINT deadlines_status_code CHECK (status IN ('pending', 'met', 'cancelled'));
ALTER TABLE routing_gaps
    ADD CONSTRAINT routing_gaps_action_code CHECK (action IN ('referral', 'notification')),
    ADD CONSTRAINT routing_gaps_organisation_kind_code CHECK (organisation_kind IN ('child_rights_department', 'family_support_centre', 'mobile_group', 'psychological_support_centre', 'school', 'health', 'mental_health_centre', 'youth_health_centre', 'crisis_centre', 'assistance_room', 'police', 'commission', 'guardianship_authority', 'education_department', 'contact_centre', 'ngo', 'other'));
ALTER TABLE child_merge_moves
    ADD CONSTRAINT child_merge_moves_kind_code CHECK (kind IN ('signal', 'case', 'timeline_event'));
