{
    "name": "Customer Lifecycle Benchmark",
    "summary": "Benchmark of Customer Lifecycle: bulk data, SQL floor, naive peer",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tools",
    "website": "https://github.com/crm-lifecycle/crm_lifecycle",
    "author": "crm_lifecycle developers",
    "license": "LGPL-3",
    "depends": ["crm_lifecycle"],
    "installable": True,
    "application": False,
}
