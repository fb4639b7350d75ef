# The configuration behind plan.json, kept for readers: nothing runs terraform in the tests.
#
#   terraform plan -out=plan.tfplan
#   terraform show -json plan.tfplan | jq . > plan.json
#
# Provider alicloud 1.252+ (role_name / assume_role_policy_document exist). Two resources use
# spellings deprecated since v1.114.0 (policy) and v1.245.0 (group), as configurations written
# for older providers still do. The state already holds alicloud_ram_user.operator and
# alicloud_ram_user_policy_attachment.operator_readonly, plus two resources this
# configuration no longer declares, so the plan deletes them:
#   alicloud_ram_policy.ice_admin                       (media-ice-admin: ice:* on *)
#   alicloud_ram_user_policy_attachment.operator_admin  (media-ice-admin -> media-operator)

terraform {
  required_providers {
    alicloud = {
      source  = "aliyun/alicloud"
      version = "~> 1.252"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

variable "region" {
  type    = string
  default = "cn-shanghai"
}

provider "alicloud" {
  region = var.region
}

# The headline case: ICE authorizes per operation only, so the grant says Resource "*".
resource "alicloud_ram_policy" "ice_worker" {
  policy_name = "media-ice-worker"
  description = "Lets the media worker poll IProduction jobs"
  policy_document = jsonencode({
    Version = "1"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ice:QueryIProductionJob", "ice:GetMediaInfo"]
      Resource = "*"
    }]
  })
}

# Written for a provider before v1.114.0 and never updated: name and document.
resource "alicloud_ram_policy" "legacy_reader" {
  name     = "media-legacy-reader"
  document = <<-EOT
    {
      "Version": "1",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": ["ice:GetMediaInfo", "ice:ListMediaBasicInfos"],
          "Resource": "*"
        }
      ]
    }
  EOT
}

resource "random_string" "suffix" {
  length  = 6
  special = false
  upper   = false
}

resource "alicloud_oss_bucket" "media" {
  bucket = "media-${random_string.suffix.result}"
}

# The bucket name has a random suffix, so this document is known only after apply.
resource "alicloud_ram_policy" "bucket_access" {
  policy_name = "media-bucket-access"
  policy_document = jsonencode({
    Version = "1"
    Statement = [{
      Effect   = "Allow"
      Action   = ["oss:GetObject", "oss:PutObject"]
      Resource = ["acs:oss:*:*:${alicloud_oss_bucket.media.bucket}/*"]
    }]
  })
}

resource "alicloud_ram_role" "media_worker" {
  role_name   = "media-worker"
  description = "Runs media jobs on ECS"
  assume_role_policy_document = jsonencode({
    Version = "1"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = ["ecs.aliyuncs.com"] }
    }]
  })
}

resource "alicloud_ram_role_policy_attachment" "worker_ice" {
  role_name   = alicloud_ram_role.media_worker.role_name
  policy_name = alicloud_ram_policy.ice_worker.policy_name
  policy_type = "Custom"
}

resource "alicloud_ram_role_policy_attachment" "worker_bucket" {
  role_name   = alicloud_ram_role.media_worker.role_name
  policy_name = alicloud_ram_policy.bucket_access.policy_name
  policy_type = "Custom"
}

module "media_pipeline" {
  source    = "./modules/media-pipeline"
  role_name = alicloud_ram_role.media_worker.role_name
}

resource "alicloud_ram_user" "operator" {
  name         = "media-operator"
  display_name = "Media operator"
}

resource "alicloud_ram_user" "editor" {
  name         = "media-editor-ana"
  display_name = "Ana (media editor)"
}

resource "alicloud_ram_user_policy_attachment" "operator_readonly" {
  user_name   = alicloud_ram_user.operator.name
  policy_name = "AliyunICEReadOnlyAccess"
  policy_type = "System"
}

resource "alicloud_ram_group" "editors" {
  group_name = "media-editors"
  comments   = "Edit media metadata"
}

resource "alicloud_ram_group_membership" "editors" {
  group_name = alicloud_ram_group.editors.group_name
  user_names = [alicloud_ram_user.editor.name, alicloud_ram_user.operator.name]
}

resource "alicloud_ram_group_policy_attachment" "editors_reader" {
  group_name  = alicloud_ram_group.editors.group_name
  policy_name = alicloud_ram_policy.legacy_reader.name
  policy_type = "Custom"
}

# Group with the name spelling deprecated since v1.245.0, and the newer per-user membership.
resource "alicloud_ram_group" "auditors" {
  name = "media-auditors"
}

resource "alicloud_ram_user_group_attachment" "editor_auditors" {
  group_name = alicloud_ram_group.auditors.name
  user_name  = alicloud_ram_user.editor.name
}

resource "alicloud_ram_group_policy_attachment" "auditors_oss" {
  group_name  = alicloud_ram_group.auditors.name
  policy_name = "AliyunOSSReadOnlyAccess"
  policy_type = "System"
}

output "worker_role_arn" {
  value = alicloud_ram_role.media_worker.arn
}
