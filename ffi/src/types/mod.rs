//! placeholder: Mesos v1 JSON records (helper fills this)
