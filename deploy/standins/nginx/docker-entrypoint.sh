#!/bin/sh
# The official nginx image's template step (/docker-entrypoint.d/20-envsubst-on-templates.sh),
# kept to its contract: when the command is nginx, every *.template under NGINX_ENVSUBST_TEMPLATE_DIR
# (default /etc/nginx/templates) is rendered with envsubst into NGINX_ENVSUBST_OUTPUT_DIR (default
# /etc/nginx/conf.d) under the same relative path minus the suffix, substituting only the names of
# variables that are defined (so nginx's own $variables are left alone). An output directory that
# is not writable is reported and skipped, as upstream does.
set -e
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
  template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
  suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
  output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
  filter="${NGINX_ENVSUBST_FILTER:-}"
  if [ -d "$template_dir" ]; then
    if [ ! -w "$output_dir" ]; then
      echo "$0: ERROR: $template_dir exists, but $output_dir is not writable" >&2
    else
      defined_envs=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" < /dev/null))
      find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
        relative_path="${template#"$template_dir/"}"
        output_path="$output_dir/${relative_path%"$suffix"}"
        mkdir -p "$output_dir/$(dirname "$relative_path")"
        echo "$0: Running envsubst on $template to $output_path"
        envsubst "$defined_envs" < "$template" > "$output_path"
      done
    fi
  fi
fi
exec "$@"
