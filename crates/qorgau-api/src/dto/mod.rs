//! Request and response bodies of the REST API that are not the domain's parse inputs: the
//! JSON views of the application's results, one module per resource.

pub mod signals;
