-- Code columns accept only their codes (issue 18, part 2): the same sets as up.postgres.sql,
-- which says where they come from.
--
-- SQLite cannot add a CHECK constraint to an existing table, and rebuilding twenty tables that
-- most foreign keys point at is riskier than what it buys: two triggers per column, before an
-- insert and before an update of the column, refuse a value outside the set as a CHECK would
-- (NULL passes, as it passes a CHECK; the message names the constraint as PostgreSQL's does).
-- The tests compare these sets with PostgreSQL's constraints (tests/api/schema.rs).
--
-- After each pair, an UPDATE that touches only rows already outside the set: the update
-- trigger refuses it, so existing bad data fails the migration as on PostgreSQL.

CREATE TRIGGER organisations_kind_code_insert BEFORE INSERT ON organisations
WHEN NEW.kind NOT IN ('child_rights_department', 'family_support_centre', 'mobile_group', 'psychological_support_centre', 'school', 'health', 'mental_health_centre', 'youth_health_centre', 'crisis_centre', 'assistance_room', 'police', 'commission', 'guardianship_authority', 'education_department', 'contact_centre', 'ngo', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: organisations_kind_code'); END;
CREATE TRIGGER organisations_kind_code_update BEFORE UPDATE OF kind ON organisations
WHEN NEW.kind NOT IN ('child_rights_department', 'family_support_centre', 'mobile_group', 'psychological_support_centre', 'school', 'health', 'mental_health_centre', 'youth_health_centre', 'crisis_centre', 'assistance_room', 'police', 'commission', 'guardianship_authority', 'education_department', 'contact_centre', 'ngo', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: organisations_kind_code'); END;
UPDATE organisations SET kind = kind WHERE kind NOT IN ('child_rights_department', 'family_support_centre', 'mobile_group', 'psychological_support_centre', 'school', 'health', 'mental_health_centre', 'youth_health_centre', 'crisis_centre', 'assistance_room', 'police', 'commission', 'guardianship_authority', 'education_department', 'contact_centre', 'ngo', 'other');
CREATE TRIGGER users_role_code_insert BEFORE INSERT ON users
WHEN NEW.role NOT IN ('admin', 'mobile_group_member', 'intake_coordinator', 'case_manager', 'specialist', 'supervisor', 'analyst', 'integration')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users_role_code'); END;
CREATE TRIGGER users_role_code_update BEFORE UPDATE OF role ON users
WHEN NEW.role NOT IN ('admin', 'mobile_group_member', 'intake_coordinator', 'case_manager', 'specialist', 'supervisor', 'analyst', 'integration')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users_role_code'); END;
UPDATE users SET role = role WHERE role NOT IN ('admin', 'mobile_group_member', 'intake_coordinator', 'case_manager', 'specialist', 'supervisor', 'analyst', 'integration');
CREATE TRIGGER children_sex_code_insert BEFORE INSERT ON children
WHEN NEW.sex NOT IN ('male', 'female')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: children_sex_code'); END;
CREATE TRIGGER children_sex_code_update BEFORE UPDATE OF sex ON children
WHEN NEW.sex NOT IN ('male', 'female')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: children_sex_code'); END;
UPDATE children SET sex = sex WHERE sex NOT IN ('male', 'female');
CREATE TRIGGER cases_status_code_insert BEFORE INSERT ON cases
WHEN NEW.status NOT IN ('intake', 'assessment', 'planning', 'in_progress', 'monitoring', 'closure_requested', 'closed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: cases_status_code'); END;
CREATE TRIGGER cases_status_code_update BEFORE UPDATE OF status ON cases
WHEN NEW.status NOT IN ('intake', 'assessment', 'planning', 'in_progress', 'monitoring', 'closure_requested', 'closed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: cases_status_code'); END;
UPDATE cases SET status = status WHERE status NOT IN ('intake', 'assessment', 'planning', 'in_progress', 'monitoring', 'closure_requested', 'closed');
CREATE TRIGGER cases_risk_level_code_insert BEFORE INSERT ON cases
WHEN NEW.risk_level NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: cases_risk_level_code'); END;
CREATE TRIGGER cases_risk_level_code_update BEFORE UPDATE OF risk_level ON cases
WHEN NEW.risk_level NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: cases_risk_level_code'); END;
UPDATE cases SET risk_level = risk_level WHERE risk_level NOT IN ('critical', 'high', 'medium', 'low');
CREATE TRIGGER cases_closure_reason_code_insert BEFORE INSERT ON cases
WHEN NEW.closure_reason NOT IN ('goals_achieved', 'risk_eliminated', 'transferred', 'turned_18', 'moved_abroad', 'child_died', 'family_declined_no_grounds', 'duplicate', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: cases_closure_reason_code'); END;
CREATE TRIGGER cases_closure_reason_code_update BEFORE UPDATE OF closure_reason ON cases
WHEN NEW.closure_reason NOT IN ('goals_achieved', 'risk_eliminated', 'transferred', 'turned_18', 'moved_abroad', 'child_died', 'family_declined_no_grounds', 'duplicate', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: cases_closure_reason_code'); END;
UPDATE cases SET closure_reason = closure_reason WHERE closure_reason NOT IN ('goals_achieved', 'risk_eliminated', 'transferred', 'turned_18', 'moved_abroad', 'child_died', 'family_declined_no_grounds', 'duplicate', 'other');
CREATE TRIGGER case_concerns_concern_code_insert BEFORE INSERT ON case_concerns
WHEN NEW.concern NOT IN ('violence_physical', 'violence_sexual', 'violence_psychological', 'neglect', 'bullying', 'cyberbullying', 'suicide_risk', 'trafficking', 'child_labour', 'vagrancy_begging', 'addiction', 'out_of_school', 'early_pregnancy', 'offending', 'family_crisis', 'without_parental_care', 'unaccompanied_migrant', 'disability_support', 'care_leaver', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: case_concerns_concern_code'); END;
CREATE TRIGGER case_concerns_concern_code_update BEFORE UPDATE OF concern ON case_concerns
WHEN NEW.concern NOT IN ('violence_physical', 'violence_sexual', 'violence_psychological', 'neglect', 'bullying', 'cyberbullying', 'suicide_risk', 'trafficking', 'child_labour', 'vagrancy_begging', 'addiction', 'out_of_school', 'early_pregnancy', 'offending', 'family_crisis', 'without_parental_care', 'unaccompanied_migrant', 'disability_support', 'care_leaver', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: case_concerns_concern_code'); END;
UPDATE case_concerns SET concern = concern WHERE concern NOT IN ('violence_physical', 'violence_sexual', 'violence_psychological', 'neglect', 'bullying', 'cyberbullying', 'suicide_risk', 'trafficking', 'child_labour', 'vagrancy_begging', 'addiction', 'out_of_school', 'early_pregnancy', 'offending', 'family_crisis', 'without_parental_care', 'unaccompanied_migrant', 'disability_support', 'care_leaver', 'other');
CREATE TRIGGER signals_source_code_insert BEFORE INSERT ON signals
WHEN NEW.source NOT IN ('mobile_group', 'contact_centre_111', 'qr_111', 'school', 'health', 'police', 'school_diagnostics', 'cctv_ai', 'commission', 'self_referral', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signals_source_code'); END;
CREATE TRIGGER signals_source_code_update BEFORE UPDATE OF source ON signals
WHEN NEW.source NOT IN ('mobile_group', 'contact_centre_111', 'qr_111', 'school', 'health', 'police', 'school_diagnostics', 'cctv_ai', 'commission', 'self_referral', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signals_source_code'); END;
UPDATE signals SET source = source WHERE source NOT IN ('mobile_group', 'contact_centre_111', 'qr_111', 'school', 'health', 'police', 'school_diagnostics', 'cctv_ai', 'commission', 'self_referral', 'other');
CREATE TRIGGER signals_urgency_code_insert BEFORE INSERT ON signals
WHEN NEW.urgency NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signals_urgency_code'); END;
CREATE TRIGGER signals_urgency_code_update BEFORE UPDATE OF urgency ON signals
WHEN NEW.urgency NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signals_urgency_code'); END;
UPDATE signals SET urgency = urgency WHERE urgency NOT IN ('critical', 'high', 'medium', 'low');
CREATE TRIGGER signals_status_code_insert BEFORE INSERT ON signals
WHEN NEW.status NOT IN ('received', 'case_opened', 'linked', 'screened_out')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signals_status_code'); END;
CREATE TRIGGER signals_status_code_update BEFORE UPDATE OF status ON signals
WHEN NEW.status NOT IN ('received', 'case_opened', 'linked', 'screened_out')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signals_status_code'); END;
UPDATE signals SET status = status WHERE status NOT IN ('received', 'case_opened', 'linked', 'screened_out');
CREATE TRIGGER signals_risk_level_code_insert BEFORE INSERT ON signals
WHEN NEW.risk_level NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signals_risk_level_code'); END;
CREATE TRIGGER signals_risk_level_code_update BEFORE UPDATE OF risk_level ON signals
WHEN NEW.risk_level NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signals_risk_level_code'); END;
UPDATE signals SET risk_level = risk_level WHERE risk_level NOT IN ('critical', 'high', 'medium', 'low');
CREATE TRIGGER signal_concerns_concern_code_insert BEFORE INSERT ON signal_concerns
WHEN NEW.concern NOT IN ('violence_physical', 'violence_sexual', 'violence_psychological', 'neglect', 'bullying', 'cyberbullying', 'suicide_risk', 'trafficking', 'child_labour', 'vagrancy_begging', 'addiction', 'out_of_school', 'early_pregnancy', 'offending', 'family_crisis', 'without_parental_care', 'unaccompanied_migrant', 'disability_support', 'care_leaver', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signal_concerns_concern_code'); END;
CREATE TRIGGER signal_concerns_concern_code_update BEFORE UPDATE OF concern ON signal_concerns
WHEN NEW.concern NOT IN ('violence_physical', 'violence_sexual', 'violence_psychological', 'neglect', 'bullying', 'cyberbullying', 'suicide_risk', 'trafficking', 'child_labour', 'vagrancy_begging', 'addiction', 'out_of_school', 'early_pregnancy', 'offending', 'family_crisis', 'without_parental_care', 'unaccompanied_migrant', 'disability_support', 'care_leaver', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signal_concerns_concern_code'); END;
UPDATE signal_concerns SET concern = concern WHERE concern NOT IN ('violence_physical', 'violence_sexual', 'violence_psychological', 'neglect', 'bullying', 'cyberbullying', 'suicide_risk', 'trafficking', 'child_labour', 'vagrancy_begging', 'addiction', 'out_of_school', 'early_pregnancy', 'offending', 'family_crisis', 'without_parental_care', 'unaccompanied_migrant', 'disability_support', 'care_leaver', 'other');
CREATE TRIGGER timeline_events_kind_code_insert BEFORE INSERT ON timeline_events
WHEN NEW.kind NOT IN ('signal', 'signal_updated', 'signal_report', 'triage', 'case_opened', 'merge', 'unmerge', 'assigned', 'risk_revised', 'concerns_changed', 'status_changed', 'closure_requested', 'closure_returned', 'closed', 'reopened', 'assessment', 'plan_version', 'plan_approved', 'plan_rejected', 'measure_done', 'intervention', 'referral', 'referral_accepted', 'referral_declined', 'referral_completed', 'referral_withdrawn', 'transfer_requested', 'transfer_accepted', 'transfer_declined', 'relation', 'consent', 'consent_withdrawn', 'commission_referral', 'commission_decision', 'commission_measure_done', 'placement', 'placement_ended', 'interview', 'deadline_met', 'deadline_reminder', 'escalation', 'routing_gap')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: timeline_events_kind_code'); END;
CREATE TRIGGER timeline_events_kind_code_update BEFORE UPDATE OF kind ON timeline_events
WHEN NEW.kind NOT IN ('signal', 'signal_updated', 'signal_report', 'triage', 'case_opened', 'merge', 'unmerge', 'assigned', 'risk_revised', 'concerns_changed', 'status_changed', 'closure_requested', 'closure_returned', 'closed', 'reopened', 'assessment', 'plan_version', 'plan_approved', 'plan_rejected', 'measure_done', 'intervention', 'referral', 'referral_accepted', 'referral_declined', 'referral_completed', 'referral_withdrawn', 'transfer_requested', 'transfer_accepted', 'transfer_declined', 'relation', 'consent', 'consent_withdrawn', 'commission_referral', 'commission_decision', 'commission_measure_done', 'placement', 'placement_ended', 'interview', 'deadline_met', 'deadline_reminder', 'escalation', 'routing_gap')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: timeline_events_kind_code'); END;
UPDATE timeline_events SET kind = kind WHERE kind NOT IN ('signal', 'signal_updated', 'signal_report', 'triage', 'case_opened', 'merge', 'unmerge', 'assigned', 'risk_revised', 'concerns_changed', 'status_changed', 'closure_requested', 'closure_returned', 'closed', 'reopened', 'assessment', 'plan_version', 'plan_approved', 'plan_rejected', 'measure_done', 'intervention', 'referral', 'referral_accepted', 'referral_declined', 'referral_completed', 'referral_withdrawn', 'transfer_requested', 'transfer_accepted', 'transfer_declined', 'relation', 'consent', 'consent_withdrawn', 'commission_referral', 'commission_decision', 'commission_measure_done', 'placement', 'placement_ended', 'interview', 'deadline_met', 'deadline_reminder', 'escalation', 'routing_gap');
CREATE TRIGGER signal_reports_urgency_code_insert BEFORE INSERT ON signal_reports
WHEN NEW.urgency NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signal_reports_urgency_code'); END;
CREATE TRIGGER signal_reports_urgency_code_update BEFORE UPDATE OF urgency ON signal_reports
WHEN NEW.urgency NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: signal_reports_urgency_code'); END;
UPDATE signal_reports SET urgency = urgency WHERE urgency NOT IN ('critical', 'high', 'medium', 'low');
CREATE TRIGGER assessments_kind_code_insert BEFORE INSERT ON assessments
WHEN NEW.kind NOT IN ('initial', 'comprehensive')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: assessments_kind_code'); END;
CREATE TRIGGER assessments_kind_code_update BEFORE UPDATE OF kind ON assessments
WHEN NEW.kind NOT IN ('initial', 'comprehensive')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: assessments_kind_code'); END;
UPDATE assessments SET kind = kind WHERE kind NOT IN ('initial', 'comprehensive');
CREATE TRIGGER assessments_risk_level_code_insert BEFORE INSERT ON assessments
WHEN NEW.risk_level NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: assessments_risk_level_code'); END;
CREATE TRIGGER assessments_risk_level_code_update BEFORE UPDATE OF risk_level ON assessments
WHEN NEW.risk_level NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: assessments_risk_level_code'); END;
UPDATE assessments SET risk_level = risk_level WHERE risk_level NOT IN ('critical', 'high', 'medium', 'low');
CREATE TRIGGER plans_status_code_insert BEFORE INSERT ON plans
WHEN NEW.status NOT IN ('draft', 'approved', 'rejected', 'superseded')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: plans_status_code'); END;
CREATE TRIGGER plans_status_code_update BEFORE UPDATE OF status ON plans
WHEN NEW.status NOT IN ('draft', 'approved', 'rejected', 'superseded')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: plans_status_code'); END;
UPDATE plans SET status = status WHERE status NOT IN ('draft', 'approved', 'rejected', 'superseded');
CREATE TRIGGER plan_measures_kind_code_insert BEFORE INSERT ON plan_measures
WHEN NEW.kind NOT IN ('medical', 'psychological', 'pedagogical', 'social', 'legal')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: plan_measures_kind_code'); END;
CREATE TRIGGER plan_measures_kind_code_update BEFORE UPDATE OF kind ON plan_measures
WHEN NEW.kind NOT IN ('medical', 'psychological', 'pedagogical', 'social', 'legal')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: plan_measures_kind_code'); END;
UPDATE plan_measures SET kind = kind WHERE kind NOT IN ('medical', 'psychological', 'pedagogical', 'social', 'legal');
CREATE TRIGGER interventions_kind_code_insert BEFORE INSERT ON interventions
WHEN NEW.kind NOT IN ('home_visit', 'consultation', 'psychological_session', 'medical_care', 'pedagogical_support', 'social_support', 'legal_aid', 'benefit_application', 'placement', 'mediation', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: interventions_kind_code'); END;
CREATE TRIGGER interventions_kind_code_update BEFORE UPDATE OF kind ON interventions
WHEN NEW.kind NOT IN ('home_visit', 'consultation', 'psychological_session', 'medical_care', 'pedagogical_support', 'social_support', 'legal_aid', 'benefit_application', 'placement', 'mediation', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: interventions_kind_code'); END;
UPDATE interventions SET kind = kind WHERE kind NOT IN ('home_visit', 'consultation', 'psychological_session', 'medical_care', 'pedagogical_support', 'social_support', 'legal_aid', 'benefit_application', 'placement', 'mediation', 'other');
CREATE TRIGGER interventions_assistance_type_code_insert BEFORE INSERT ON interventions
WHEN NEW.assistance_type NOT IN ('medical', 'psychological', 'pedagogical', 'social', 'legal')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: interventions_assistance_type_code'); END;
CREATE TRIGGER interventions_assistance_type_code_update BEFORE UPDATE OF assistance_type ON interventions
WHEN NEW.assistance_type NOT IN ('medical', 'psychological', 'pedagogical', 'social', 'legal')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: interventions_assistance_type_code'); END;
UPDATE interventions SET assistance_type = assistance_type WHERE assistance_type NOT IN ('medical', 'psychological', 'pedagogical', 'social', 'legal');
CREATE TRIGGER referrals_status_code_insert BEFORE INSERT ON referrals
WHEN NEW.status NOT IN ('pending', 'accepted', 'declined', 'completed', 'withdrawn')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_status_code'); END;
CREATE TRIGGER referrals_status_code_update BEFORE UPDATE OF status ON referrals
WHEN NEW.status NOT IN ('pending', 'accepted', 'declined', 'completed', 'withdrawn')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_status_code'); END;
UPDATE referrals SET status = status WHERE status NOT IN ('pending', 'accepted', 'declined', 'completed', 'withdrawn');
CREATE TRIGGER referrals_urgency_code_insert BEFORE INSERT ON referrals
WHEN NEW.urgency NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_urgency_code'); END;
CREATE TRIGGER referrals_urgency_code_update BEFORE UPDATE OF urgency ON referrals
WHEN NEW.urgency NOT IN ('critical', 'high', 'medium', 'low')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_urgency_code'); END;
UPDATE referrals SET urgency = urgency WHERE urgency NOT IN ('critical', 'high', 'medium', 'low');
CREATE TRIGGER referrals_override_basis_code_insert BEFORE INSERT ON referrals
WHEN NEW.override_basis NOT IN ('threat_to_life_or_health', 'court_order', 'legal_duty')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_override_basis_code'); END;
CREATE TRIGGER referrals_override_basis_code_update BEFORE UPDATE OF override_basis ON referrals
WHEN NEW.override_basis NOT IN ('threat_to_life_or_health', 'court_order', 'legal_duty')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_override_basis_code'); END;
UPDATE referrals SET override_basis = override_basis WHERE override_basis NOT IN ('threat_to_life_or_health', 'court_order', 'legal_duty');
CREATE TRIGGER referrals_kind_code_insert BEFORE INSERT ON referrals
WHEN NEW.kind NOT IN ('referral', 'notification')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_kind_code'); END;
CREATE TRIGGER referrals_kind_code_update BEFORE UPDATE OF kind ON referrals
WHEN NEW.kind NOT IN ('referral', 'notification')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: referrals_kind_code'); END;
UPDATE referrals SET kind = kind WHERE kind NOT IN ('referral', 'notification');
CREATE TRIGGER transfers_status_code_insert BEFORE INSERT ON transfers
WHEN NEW.status NOT IN ('pending', 'accepted', 'declined')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: transfers_status_code'); END;
CREATE TRIGGER transfers_status_code_update BEFORE UPDATE OF status ON transfers
WHEN NEW.status NOT IN ('pending', 'accepted', 'declined')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: transfers_status_code'); END;
UPDATE transfers SET status = status WHERE status NOT IN ('pending', 'accepted', 'declined');
CREATE TRIGGER placements_kind_code_insert BEFORE INSERT ON placements
WHEN NEW.kind NOT IN ('temporary_shelter', 'child_support_centre', 'juvenile_adaptation_centre', 'guardianship', 'patronat_family', 'receiving_family', 'professional_receiving_family', 'adoption', 'return_to_family')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: placements_kind_code'); END;
CREATE TRIGGER placements_kind_code_update BEFORE UPDATE OF kind ON placements
WHEN NEW.kind NOT IN ('temporary_shelter', 'child_support_centre', 'juvenile_adaptation_centre', 'guardianship', 'patronat_family', 'receiving_family', 'professional_receiving_family', 'adoption', 'return_to_family')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: placements_kind_code'); END;
UPDATE placements SET kind = kind WHERE kind NOT IN ('temporary_shelter', 'child_support_centre', 'juvenile_adaptation_centre', 'guardianship', 'patronat_family', 'receiving_family', 'professional_receiving_family', 'adoption', 'return_to_family');
CREATE TRIGGER placements_end_reason_code_insert BEFORE INSERT ON placements
WHEN NEW.end_reason NOT IN ('planned_end', 'return_to_family', 'adoption', 'breakdown', 'turned_18', 'transferred', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: placements_end_reason_code'); END;
CREATE TRIGGER placements_end_reason_code_update BEFORE UPDATE OF end_reason ON placements
WHEN NEW.end_reason NOT IN ('planned_end', 'return_to_family', 'adoption', 'breakdown', 'turned_18', 'transferred', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: placements_end_reason_code'); END;
UPDATE placements SET end_reason = end_reason WHERE end_reason NOT IN ('planned_end', 'return_to_family', 'adoption', 'breakdown', 'turned_18', 'transferred', 'other');
CREATE TRIGGER deadlines_kind_code_insert BEFORE INSERT ON deadlines
WHEN NEW.kind NOT IN ('triage', 'assignment', 'first_contact', 'initial_assessment', 'comprehensive_assessment', 'plan_approval', 'plan_review', 'referral_response', 'follow_up')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: deadlines_kind_code'); END;
CREATE TRIGGER deadlines_kind_code_update BEFORE UPDATE OF kind ON deadlines
WHEN NEW.kind NOT IN ('triage', 'assignment', 'first_contact', 'initial_assessment', 'comprehensive_assessment', 'plan_approval', 'plan_review', 'referral_response', 'follow_up')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: deadlines_kind_code'); END;
UPDATE deadlines SET kind = kind WHERE kind NOT IN ('triage', 'assignment', 'first_contact', 'initial_assessment', 'comprehensive_assessment', 'plan_approval', 'plan_review', 'referral_response', 'follow_up');
CREATE TRIGGER deadlines_status_code_insert BEFORE INSERT ON deadlines
WHEN NEW.status NOT IN ('pending', 'met', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: deadlines_status_code'); END;
CREATE TRIGGER deadlines_status_code_update BEFORE UPDATE OF status ON deadlines
WHEN NEW.status NOT IN ('pending', 'met', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: deadlines_status_code'); END;
UPDATE deadlines SET status = status WHERE status NOT IN ('pending', 'met', 'cancelled');
CREATE TRIGGER routing_gaps_action_code_insert BEFORE INSERT ON routing_gaps
WHEN NEW.action NOT IN ('referral', 'notification')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: routing_gaps_action_code'); END;
CREATE TRIGGER routing_gaps_action_code_update BEFORE UPDATE OF action ON routing_gaps
WHEN NEW.action NOT IN ('referral', 'notification')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: routing_gaps_action_code'); END;
UPDATE routing_gaps SET action = action WHERE action NOT IN ('referral', 'notification');
CREATE TRIGGER routing_gaps_organisation_kind_code_insert BEFORE INSERT ON routing_gaps
WHEN NEW.organisation_kind NOT IN ('child_rights_department', 'family_support_centre', 'mobile_group', 'psychological_support_centre', 'school', 'health', 'mental_health_centre', 'youth_health_centre', 'crisis_centre', 'assistance_room', 'police', 'commission', 'guardianship_authority', 'education_department', 'contact_centre', 'ngo', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: routing_gaps_organisation_kind_code'); END;
CREATE TRIGGER routing_gaps_organisation_kind_code_update BEFORE UPDATE OF organisation_kind ON routing_gaps
WHEN NEW.organisation_kind NOT IN ('child_rights_department', 'family_support_centre', 'mobile_group', 'psychological_support_centre', 'school', 'health', 'mental_health_centre', 'youth_health_centre', 'crisis_centre', 'assistance_room', 'police', 'commission', 'guardianship_authority', 'education_department', 'contact_centre', 'ngo', 'other')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: routing_gaps_organisation_kind_code'); END;
UPDATE routing_gaps SET organisation_kind = organisation_kind WHERE organisation_kind NOT IN ('child_rights_department', 'family_support_centre', 'mobile_group', 'psychological_support_centre', 'school', 'health', 'mental_health_centre', 'youth_health_centre', 'crisis_centre', 'assistance_room', 'police', 'commission', 'guardianship_authority', 'education_department', 'contact_centre', 'ngo', 'other');
CREATE TRIGGER child_merge_moves_kind_code_insert BEFORE INSERT ON child_merge_moves
WHEN NEW.kind NOT IN ('signal', 'case', 'timeline_event')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: child_merge_moves_kind_code'); END;
CREATE TRIGGER child_merge_moves_kind_code_update BEFORE UPDATE OF kind ON child_merge_moves
WHEN NEW.kind NOT IN ('signal', 'case', 'timeline_event')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: child_merge_moves_kind_code'); END;
UPDATE child_merge_moves SET kind = kind WHERE kind NOT IN ('signal', 'case', 'timeline_event');
