//! A local validator with the staking program deployed, and the helpers that
//! set up a cluster for the demo, the benchmark and end-to-end tests: funded
//! users, mints, and a pipelined sender for throughput.
pub mod batch;
pub mod bench;
pub mod mints;
pub mod validator;
