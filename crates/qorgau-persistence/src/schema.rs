//! The diesel schema, shared by both backends (see `migrations/`; tests/api/schema.rs checks
//! that both backends, migrated, have one schema).

diesel::table! {
    regions (code) {
        code -> Text,
        name_kk -> Text,
        name_ru -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    districts (code) {
        code -> Text,
        region_code -> Text,
        name_kk -> Text,
        name_ru -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        region_code -> Text,
        district_code -> Nullable<Text>,
        email -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        full_name -> Text,
        email -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        organisation_id -> Text,
        active -> Bool,
        created_at -> Timestamp,
        version -> Integer,
        must_change_password -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        issued_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        account_key -> Text,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    children (id) {
        id -> Text,
        iin -> Nullable<Text>,
        last_name -> Nullable<Text>,
        first_name -> Nullable<Text>,
        middle_name -> Nullable<Text>,
        last_name_key -> Nullable<Text>,
        first_name_key -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        sex -> Nullable<Text>,
        address -> Nullable<Text>,
        region_code -> Text,
        district_code -> Text,
        merged_into -> Nullable<Text>,
        created_at -> Timestamp,
        anonymised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    possible_duplicates (child_id, other_id) {
        child_id -> Text,
        other_id -> Text,
        detected_at -> Timestamp,
    }
}

diesel::table! {
    child_merges (id) {
        id -> Text,
        child_id -> Text,
        duplicate_id -> Text,
        reason -> Text,
        merged_by -> Text,
        merged_at -> Timestamp,
        moved_iin -> Nullable<Text>,
        flagged_at -> Nullable<Timestamp>,
        confirmed_differences -> Nullable<Text>,
        moves_recorded -> Bool,
        undone_at -> Nullable<Timestamp>,
        undone_by -> Nullable<Text>,
        undo_reason -> Nullable<Text>,
    }
}

diesel::table! {
    child_merge_moves (merge_id, kind, row_id) {
        merge_id -> Text,
        kind -> Text,
        row_id -> Text,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        number -> Text,
        child_id -> Text,
        status -> Text,
        risk_level -> Text,
        region_code -> Text,
        district_code -> Text,
        assignee_id -> Nullable<Text>,
        opened_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        closure_reason -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    case_concerns (case_id, concern) {
        case_id -> Text,
        concern -> Text,
    }
}

diesel::table! {
    case_number_counters (region_code, year) {
        region_code -> Text,
        year -> Integer,
        last_value -> Integer,
    }
}

diesel::table! {
    signals (id) {
        id -> Text,
        source -> Text,
        external_ref -> Nullable<Text>,
        urgency -> Nullable<Text>,
        description -> Text,
        observed_at -> Nullable<Timestamp>,
        region_code -> Text,
        district_code -> Text,
        child_id -> Nullable<Text>,
        child_facts -> Text,
        reporter_name -> Nullable<Text>,
        reporter_phone -> Nullable<Text>,
        reporter_relation -> Nullable<Text>,
        reporter_anonymous -> Bool,
        status -> Text,
        received_at -> Timestamp,
        triage_due_at -> Timestamp,
        filed_by -> Text,
        triaged_at -> Nullable<Timestamp>,
        triaged_by -> Nullable<Text>,
        risk_level -> Nullable<Text>,
        screen_out_reason -> Nullable<Text>,
        case_id -> Nullable<Text>,
        updated_at -> Timestamp,
        triage_reminded_at -> Nullable<Timestamp>,
        triage_escalated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signal_concerns (signal_id, concern) {
        signal_id -> Text,
        concern -> Text,
    }
}

diesel::table! {
    signal_reports (id) {
        id -> Text,
        signal_id -> Text,
        received_at -> Timestamp,
        filed_by -> Text,
        concerns -> Text,
        urgency -> Nullable<Text>,
        description -> Text,
        observed_at -> Nullable<Timestamp>,
        child_facts -> Text,
        reporter_name -> Nullable<Text>,
        reporter_phone -> Nullable<Text>,
        reporter_relation -> Nullable<Text>,
        reporter_anonymous -> Bool,
    }
}

diesel::table! {
    timeline_events (id) {
        id -> Text,
        child_id -> Text,
        case_id -> Nullable<Text>,
        at -> Timestamp,
        kind -> Text,
        summary -> Text,
        actor_id -> Nullable<Text>,
        ref_id -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (user_id, idempotency_key) {
        user_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    assessments (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        summary -> Text,
        risk_level -> Nullable<Text>,
        domains -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        case_id -> Text,
        version -> Integer,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        revision -> Integer,
    }
}

diesel::table! {
    plan_goals (id) {
        id -> Text,
        plan_id -> Text,
        position -> Integer,
        title -> Text,
    }
}

diesel::table! {
    plan_measures (id) {
        id -> Text,
        plan_id -> Text,
        goal_id -> Text,
        position -> Integer,
        kind -> Text,
        description -> Text,
        responsible_organisation_id -> Text,
        due_date -> Date,
        done_at -> Nullable<Timestamp>,
        done_by -> Nullable<Text>,
    }
}

diesel::table! {
    interventions (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        assistance_type -> Text,
        occurred_at -> Timestamp,
        summary -> Text,
        child_seen -> Bool,
        duration_minutes -> Nullable<Integer>,
        plan_measure_id -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    relations (id) {
        id -> Text,
        child_id -> Text,
        full_name -> Text,
        relation -> Text,
        is_legal_representative -> Bool,
        alleged_perpetrator -> Bool,
        phone -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    consents (id) {
        id -> Text,
        case_id -> Text,
        given_by_relation_id -> Nullable<Text>,
        given_by_name -> Text,
        relation -> Text,
        services -> Bool,
        share_with -> Text,
        given_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        images -> Bool,
    }
}

diesel::table! {
    referrals (id) {
        id -> Text,
        case_id -> Text,
        to_organisation_id -> Text,
        service -> Text,
        reason -> Text,
        urgency -> Nullable<Text>,
        status -> Text,
        respond_by -> Timestamp,
        consent_id -> Nullable<Text>,
        override_basis -> Nullable<Text>,
        override_note -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
        responded_by -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        completed_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        withdrawn_at -> Nullable<Timestamp>,
        kind -> Text,
        mandatory -> Bool,
    }
}

diesel::table! {
    transfers (id) {
        id -> Text,
        case_id -> Text,
        from_region -> Text,
        from_district -> Text,
        to_region -> Text,
        to_district -> Text,
        reason -> Text,
        status -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decline_reason -> Nullable<Text>,
    }
}

diesel::table! {
    commission_matters (id) {
        id -> Text,
        case_id -> Text,
        commission_organisation_id -> Text,
        grounds -> Text,
        hearing_date -> Nullable<Date>,
        decision -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    commission_measures (id) {
        id -> Text,
        matter_id -> Text,
        description -> Text,
        responsible_organisation_id -> Text,
        due_date -> Date,
        done_at -> Nullable<Timestamp>,
        done_note -> Nullable<Text>,
        done_by -> Nullable<Text>,
    }
}

diesel::table! {
    placements (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        organisation_id -> Nullable<Text>,
        started_on -> Date,
        ended_on -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    interviews (id) {
        id -> Text,
        case_id -> Text,
        child_id -> Text,
        conducted_at -> Timestamp,
        interviewer_name -> Text,
        organisation_id -> Text,
        present -> Text,
        recording_ref -> Nullable<Text>,
        repeat_reason -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    deadlines (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        ref_id -> Nullable<Text>,
        starts_at -> Timestamp,
        due_at -> Timestamp,
        status -> Text,
        met_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
        region_code -> Text,
        district_code -> Text,
        assignee_id -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        failed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    routing_gaps (id) {
        id -> Text,
        case_id -> Text,
        action -> Text,
        organisation_kind -> Text,
        concerns -> Text,
        recorded_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Text>,
        resolution -> Nullable<Text>,
    }
}

diesel::table! {
    domain_events (id) {
        id -> Text,
        seq -> Nullable<BigInt>,
        event_type -> Text,
        at -> Timestamp,
        region_code -> Text,
        district_code -> Nullable<Text>,
        signal_id -> Nullable<Text>,
        case_id -> Nullable<Text>,
        child_id -> Nullable<Text>,
        ref_id -> Nullable<Text>,
        filed_by -> Nullable<Text>,
        external_ref -> Nullable<Text>,
        payload -> Text,
    }
}

diesel::table! {
    event_sequence (id) {
        id -> Integer,
        last -> BigInt,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        event_types -> Text,
        account_id -> Nullable<Text>,
        region_code -> Nullable<Text>,
        secret -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        cursor_seq -> BigInt,
        consecutive_failures -> Integer,
        paused_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        event_id -> Text,
        seq -> BigInt,
        event_type -> Text,
        body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
    }
}

diesel::joinable!(districts -> regions (region_code));
diesel::joinable!(organisations -> regions (region_code));
diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::joinable!(cases -> children (child_id));
diesel::joinable!(signals -> children (child_id));
diesel::joinable!(signal_concerns -> signals (signal_id));
diesel::joinable!(signal_reports -> signals (signal_id));
diesel::joinable!(case_concerns -> cases (case_id));
diesel::joinable!(timeline_events -> children (child_id));
diesel::joinable!(assessments -> cases (case_id));
diesel::joinable!(plans -> cases (case_id));
diesel::joinable!(plan_goals -> plans (plan_id));
diesel::joinable!(plan_measures -> plan_goals (goal_id));
diesel::joinable!(interventions -> cases (case_id));
diesel::joinable!(referrals -> cases (case_id));
diesel::joinable!(deadlines -> cases (case_id));
diesel::joinable!(commission_measures -> commission_matters (matter_id));

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        user_id -> Nullable<Text>,
        action -> Text,
        resource -> Text,
        resource_id -> Text,
        child_id -> Nullable<Text>,
        region_code -> Nullable<Text>,
        ip -> Nullable<Text>,
        request_id -> Nullable<Text>,
        break_glass -> Bool,
        seq -> Nullable<BigInt>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
        keyed_from -> BigInt,
        sealed_at -> Nullable<Timestamp>,
        mac -> Nullable<Text>,
    }
}

diesel::table! {
    break_glass (id) {
        id -> Text,
        case_id -> Text,
        user_id -> Text,
        reason -> Text,
        granted_at -> Timestamp,
        expires_at -> Timestamp,
        region_code -> Text,
    }
}

diesel::table! {
    trainings (id) {
        id -> Text,
        user_id -> Text,
        course -> Text,
        completed_on -> Date,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::joinable!(trainings -> users (user_id));

diesel::table! {
    notifications (id) {
        id -> Text,
        recipient_id -> Text,
        kind -> Text,
        case_id -> Nullable<Text>,
        signal_id -> Nullable<Text>,
        ref_id -> Nullable<Text>,
        subject -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        mail -> Text,
        digested_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_preferences (user_id) {
        user_id -> Text,
        email -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    digests (user_id, day) {
        user_id -> Text,
        day -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> Text,
        case_id -> Text,
        occurred_at -> Timestamp,
        child_seen -> Bool,
        outcome -> Text,
        note -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    plan_reviews (id) {
        id -> Text,
        plan_id -> Text,
        case_id -> Text,
        decision -> Text,
        note -> Text,
        reviewed_by -> Text,
        reviewed_at -> Timestamp,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        file_name -> Text,
        description -> Nullable<Text>,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        consent_id -> Nullable<Text>,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<Text>,
        delete_reason -> Nullable<Text>,
        erased_at -> Nullable<Timestamp>,
        purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    case_notes (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        text -> Text,
        occurred_at -> Nullable<Timestamp>,
        sensitive -> Bool,
        author_id -> Text,
        written_at -> Timestamp,
    }
}

diesel::table! {
    case_flags (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        reason -> Text,
        date -> Nullable<Date>,
        set_by -> Text,
        set_at -> Timestamp,
        cleared_at -> Nullable<Timestamp>,
        cleared_by -> Nullable<Text>,
        clear_reason -> Nullable<Text>,
    }
}

diesel::table! {
    families (id) {
        id -> Text,
        region_code -> Text,
        district_code -> Text,
        label -> Text,
        address -> Nullable<Text>,
        version -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    family_members (id) {
        id -> Text,
        family_id -> Text,
        child_id -> Nullable<Text>,
        relation_id -> Nullable<Text>,
        full_name -> Nullable<Text>,
        relation -> Text,
        added_by -> Text,
        added_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
        removed_by -> Nullable<Text>,
        removal_reason -> Nullable<Text>,
    }
}

diesel::joinable!(notifications -> users (recipient_id));
diesel::joinable!(follow_ups -> cases (case_id));
diesel::joinable!(plan_reviews -> plans (plan_id));
diesel::joinable!(case_notes -> cases (case_id));
diesel::joinable!(documents -> cases (case_id));
diesel::joinable!(case_flags -> cases (case_id));
diesel::joinable!(family_members -> families (family_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_log,
    documents,
    audit_head,
    break_glass,
    regions,
    districts,
    organisations,
    users,
    sessions,
    refresh_tokens,
    login_failures,
    children,
    possible_duplicates,
    child_merges,
    child_merge_moves,
    cases,
    case_concerns,
    case_number_counters,
    signals,
    signal_concerns,
    signal_reports,
    timeline_events,
    idempotency_keys,
    assessments,
    plans,
    plan_goals,
    plan_measures,
    interventions,
    relations,
    consents,
    referrals,
    transfers,
    commission_matters,
    commission_measures,
    placements,
    interviews,
    deadlines,
    outbox,
    routing_gaps,
    trainings,
    notifications,
    user_preferences,
    digests,
    follow_ups,
    plan_reviews,
    case_notes,
    case_flags,
    families,
    family_members,
    domain_events,
    webhooks,
    webhook_deliveries,
);

// The caseload counts flagged open cases per assignee and flag (`supervision::caseload`).
diesel::allow_columns_to_appear_in_same_group_by_clause!(cases::assignee_id, case_flags::kind);
