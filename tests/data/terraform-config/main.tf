# Terraform configuration read before any plan: policycheck lint and check read it as written.
# Line numbers matter: tests/cli/test_where_cli.py asserts findings at them.

locals {
  ice_actions = ["ice:QueryIProductionJob", "ice:GetMediaInfo"]
}

variable "worker_role" {
  type    = string
  default = "media-worker"
}

variable "bucket" {
  type = string
}

# The headline case: ICE authorizes per operation, so the grant says Resource "*".
resource "alicloud_ram_policy" "ice_worker" {
  policy_name = "media-ice-worker"
  policy_document = jsonencode({
    Version = "1"
    Statement = [{
      Effect   = "Allow"
      Action   = local.ice_actions
      Resource = "*"
    }]
  })
}

# A grant scoped to a job ARN grants nothing for ICE (RESOURCE_MISMATCH at line 40).
resource "alicloud_ram_policy" "job_scoped" {
  policy_name = "media-job-scoped"
  policy_document = <<EOT
{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ice:SubmitIProductionJob",
      "Resource": "acs:ice:*:*:job/*"
    }
  ]
}
EOT
}

resource "alicloud_ram_policy" "reader" {
  policy_name     = "media-reader"
  policy_document = file("${path.module}/policies/reader.json")
}

# Depends on a variable without a default: known only when Terraform runs.
resource "alicloud_ram_policy" "bucket" {
  policy_name = "media-bucket"
  policy_document = jsonencode({
    Version   = "1"
    Statement = [{ Effect = "Allow", Action = "oss:GetObject", Resource = "acs:oss:*:*:${var.bucket}/*" }]
  })
}

data "alicloud_ram_policy_document" "worker_trust" {
  statement {
    action = ["sts:AssumeRole"]
    principal {
      entity      = "Service"
      identifiers = ["ecs.aliyuncs.com"]
    }
  }
}

resource "alicloud_ram_role" "worker" {
  role_name                   = var.worker_role
  assume_role_policy_document = data.alicloud_ram_policy_document.worker_trust.document
}

resource "alicloud_ram_role_policy_attachment" "worker_ice" {
  role_name   = alicloud_ram_role.worker.role_name
  policy_name = alicloud_ram_policy.ice_worker.policy_name
  policy_type = "Custom"
}

resource "alicloud_ram_role_policy_attachment" "worker_reader" {
  role_name   = alicloud_ram_role.worker.role_name
  policy_name = alicloud_ram_policy.reader.policy_name
  policy_type = "Custom"
}

resource "alicloud_resource_manager_control_policy" "deny_ice_delete" {
  control_policy_name = "deny-ice-delete"
  effect_scope        = "RAM"
  policy_document = jsonencode({
    Version = "1"
    Statement = [{ Effect = "Deny", Action = ["ice:Delete*"], Resource = "*" }]
  })
}
