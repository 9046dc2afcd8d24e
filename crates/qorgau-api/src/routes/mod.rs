//! HTTP routes. Handlers read like the contract: extract, authorise, call one function, map.

pub mod audit;
pub mod auth;
pub mod case_file;
pub mod case_work;
pub mod cases;
pub mod children;
pub mod commission;
pub mod consents;
pub mod documents;
pub mod events;
pub mod families;
pub mod geography;
pub mod health;
pub mod interviews;
pub mod labels;
pub mod notifications;
pub mod organisations;
pub mod outbox;
pub mod placements;
pub mod protocols;
pub mod referrals;
pub mod relations;
pub mod reports;
pub mod signals;
pub mod supervision;
pub mod tasks;
pub mod users;
pub mod webhooks;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Every documented route. Used both to serve and to build the OpenAPI document.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::live)
        .service(health::ready)
        .service(health::metrics)
        .service(
            scope::scope("/api/v1")
                .service(labels::labels)
                .service(auth::login)
                .service(auth::refresh)
                .service(auth::logout)
                .service(auth::me)
                .service(auth::change_password)
                .service(notifications::list)
                .service(notifications::read)
                .service(notifications::read_all)
                .service(notifications::preferences)
                .service(notifications::set_preferences)
                .service(tasks::list)
                .service(geography::list_regions)
                .service(geography::add_district)
                .service(organisations::create)
                .service(organisations::list)
                .service(organisations::get)
                .service(users::create)
                .service(users::list)
                .service(users::get)
                .service(users::edit_user)
                .service(users::deactivate)
                .service(users::reactivate)
                .service(users::reset_password)
                .service(users::handover)
                .service(users::add_training)
                .service(users::list_trainings)
                .service(signals::file)
                .service(signals::list)
                .service(signals::get)
                .service(signals::reports)
                .service(signals::triage)
                .service(children::list)
                .service(children::get)
                .service(children::timeline)
                .service(children::export)
                .service(children::possible_duplicates)
                .service(children::merge)
                .service(children::unmerge)
                .service(cases::list)
                .service(cases::get)
                .service(cases::edit)
                .service(cases::assign)
                .service(case_work::transition)
                .service(case_work::add_assessment)
                .service(case_work::list_assessments)
                .service(case_work::put_plan)
                .service(case_work::get_plan)
                .service(case_work::decide_plan)
                .service(case_work::review_plan)
                .service(case_work::measure_done)
                .service(case_work::add_intervention)
                .service(case_work::list_interventions)
                .service(case_work::add_follow_up)
                .service(case_work::list_follow_ups)
                .service(case_file::add_note)
                .service(case_file::list_notes)
                .service(case_file::set_flag)
                .service(case_file::clear_flag)
                .service(case_file::list_flags)
                .service(documents::upload_document)
                .service(documents::list_documents)
                .service(documents::get_document)
                .service(documents::document_content)
                .service(documents::delete_document)
                .service(referrals::create)
                .service(referrals::list)
                .service(referrals::list_for_case)
                .service(referrals::get)
                .service(referrals::accept)
                .service(referrals::decline)
                .service(referrals::complete)
                .service(referrals::withdraw)
                .service(referrals::request_transfer)
                .service(referrals::accept_transfer)
                .service(referrals::decline_transfer)
                .service(referrals::incoming_transfers)
                .service(relations::add_relation)
                .service(relations::list_relations)
                .service(families::create)
                .service(families::get)
                .service(families::edit)
                .service(families::add_member)
                .service(families::remove_member)
                .service(families::of_child)
                .service(consents::add_consent)
                .service(consents::list_consents)
                .service(consents::withdraw_consent)
                .service(commission::add_matter)
                .service(commission::decide_matter)
                .service(commission::measure_done)
                .service(commission::list_matters)
                .service(placements::add_placement)
                .service(placements::get_placement)
                .service(placements::end_placement)
                .service(placements::list_placements)
                .service(interviews::add_interview)
                .service(interviews::list_interviews)
                .service(protocols::active)
                .service(supervision::caseload)
                .service(supervision::overdue)
                .service(supervision::list_routing_gaps)
                .service(supervision::resolve_routing_gap)
                .service(reports::kpis)
                .service(reports::aggregates)
                .service(audit::list)
                .service(audit::access_log)
                .service(audit::open)
                .service(audit::grants)
                .service(outbox::list)
                .service(events::list)
                .service(webhooks::create)
                .service(webhooks::list)
                .service(webhooks::remove)
                .service(webhooks::resume)
                .service(webhooks::deliveries),
        );
}
